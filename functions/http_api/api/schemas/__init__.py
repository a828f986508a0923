"""Request and response models, one module per resource (CohortCreate, CohortPublic, ...)."""
