// placeholder: replaced by the reporter sources
