"""The demo instance for trainers and newcomers: the region's units, agencies and an account per role."""
