// placeholder: replaced by the clustering sources
