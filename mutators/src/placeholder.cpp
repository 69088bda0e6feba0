// placeholder: replaced by the mutator sources
