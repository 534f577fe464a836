"""Publish: what hands the course over (the dist archives)."""
