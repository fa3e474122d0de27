from .submodule_metadata import MetadataSubmodule

available_submodules = [MetadataSubmodule()]
