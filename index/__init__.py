"""index: chunks -> embeddings in FAISS, saved as plain files with a manifest; search -> Hits.

Public API:
    build_index(corpus_dir, embedder, root, progress=False, reuse=True) -> Path
    open_index(corpus_dir, embedder, root, rebuild=True) -> SearchIndex
    SearchIndex.search(question, k) -> list[Hit]
    ModelEmbedder, FakeEmbedder, Embedder, Hit (from records), RetrievalSettings, RetrievalMode, Fusion,
    IndexUnavailable, ModelError, index_root
"""

from .build import EMBED_VERSION, build_index, embed_text, index_root, open_index
from .embedder import MODEL_NAME, WEIGHTS_SHA256, Embedder, FakeEmbedder, ModelEmbedder, ModelError
from .search import MODES, Fusion, Hit, RetrievalMode, RetrievalSettings, SearchIndex
from .store import IndexUnavailable

__all__ = [
    "EMBED_VERSION", "MODES", "MODEL_NAME", "RetrievalSettings", "WEIGHTS_SHA256", "Embedder", "FakeEmbedder", "Fusion", "Hit",
    "IndexUnavailable", "RetrievalMode",
    "ModelEmbedder", "ModelError", "SearchIndex", "build_index", "embed_text", "index_root", "open_index",
]
