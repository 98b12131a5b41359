"""Readers and writers: the only place (with panel loaders) that touches files."""

from .reader import iter_vcf, read_vcf

__all__ = ["iter_vcf", "read_vcf"]
