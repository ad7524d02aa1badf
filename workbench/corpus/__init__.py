"""Generated transcript corpora for the demo and the benchmark."""
