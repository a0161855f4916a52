"""index: chunks -> embeddings in FAISS, saved as plain files with a manifest; search -> Hits.

Public API:
    build_index(corpus_dir, embedder, root, progress=False, reuse=True) -> Path
    open_index(corpus_dir, embedder, root, rebuild=True) -> SearchIndex
    SearchIndex.search(question, k) -> list[Hit]
    ModelEmbedder, FakeEmbedder, Embedder, Hit (from records), RetrievalSettings, ScoreWeights,
    IndexUnavailable, ModelError, index_root
"""

from .adapter import CONTEXT_WEIGHT
from .build import EMBED_VERSION, build_index, embed_text, index_root, open_index
from .embedder import MODEL_NAME, WEIGHTS_SHA256, Embedder, FakeEmbedder, ModelEmbedder, ModelError
from .scoring import FEATURES, ScoreWeights, load_weights, score
from .search import Hit, RetrievalSettings, SearchIndex
from .store import IndexUnavailable

__all__ = [
    "CONTEXT_WEIGHT", "EMBED_VERSION", "FEATURES", "MODEL_NAME", "RetrievalSettings", "WEIGHTS_SHA256", "Embedder", "FakeEmbedder", "Hit",
    "IndexUnavailable", "ScoreWeights", "load_weights", "score",
    "ModelEmbedder", "ModelError", "SearchIndex", "build_index", "embed_text", "index_root", "open_index",
]
