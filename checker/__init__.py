"""lambdacheck: prove an AWS Lambda artifact runs on its runtime before it is deployed."""

__version__ = "0.1.0"
