"""Request and response models of the API, one per direction (``...Request`` / ``...Public``)."""
