"""Experiments: short scripts from config to saved results and figures (one per task)."""
