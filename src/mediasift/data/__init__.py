"""Facts shipped as data: ImageNet class names and WordNet hypernym chains."""
