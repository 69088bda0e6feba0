// placeholder: replaced by the engine sources
