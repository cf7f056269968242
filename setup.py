"""The repository keeps its top-level folders; setuptools installs them under the one import name `sitroom`."""

from setuptools import find_packages, setup

TOP = ("app", "services", "widgets", "layers", "resources")

setup(
    packages=["sitroom", *(f"sitroom.{p}" for p in find_packages(include=[*TOP, *(f"{t}.*" for t in TOP)]))],
    package_dir={"sitroom": "sitroom", **{f"sitroom.{t}": t for t in TOP}},
)
