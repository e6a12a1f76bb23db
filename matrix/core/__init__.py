"""What a matrix is, with no machinery: platforms, the definition (scenarios and pollution
fixtures), the cells it holds, shards, verdicts and the documents that carry them."""
