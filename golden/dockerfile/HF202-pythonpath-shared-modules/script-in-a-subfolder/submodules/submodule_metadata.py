class MetadataSubmodule:
    name = "metadata"
