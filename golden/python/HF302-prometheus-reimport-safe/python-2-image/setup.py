from setuptools import setup

setup(name="jenkins-exporter", py_modules=["before"])
