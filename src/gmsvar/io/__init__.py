"""Readers and writers: the only place (with panel loaders) that touches files."""

from .reader import iter_vcf, read_vcf
from .validate import Problem, check_vcf, validate_vcf

__all__ = ["Problem", "check_vcf", "iter_vcf", "read_vcf", "validate_vcf"]
