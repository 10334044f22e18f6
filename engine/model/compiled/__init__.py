"""The compiled kernel's parts; its entry point is :func:`engine.model.kernel.evaluate`."""
