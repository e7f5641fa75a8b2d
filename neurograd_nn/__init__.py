"""Neurograd's small neural-network library: modules, losses, optimizers, datasets."""
