"""creditbank benchmarks: throughput side by side with a baseline measured in the same run."""
