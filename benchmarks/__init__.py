"""benchmarks: speed, memory and scale measurements for medquote (issue 6).

`python -m benchmarks.run` measures the served pipeline (in-process, over HTTP, cold start,
build, memory); `python -m benchmarks.scale` measures FAISS at 10k-1M synthetic chunks.
Nothing here is imported by the app; these modules only measure and print.
"""
