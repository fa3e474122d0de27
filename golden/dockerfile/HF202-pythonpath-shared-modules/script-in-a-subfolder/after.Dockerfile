# Cortex-Analyzers' FileInfo: the command runs the analyzer as Python's main script, from
# the folder above it. Python puts the script's own folder first on the module search
# path, so it finds the package beside it wherever the process starts: no finding.
FROM python:3.9
WORKDIR /worker
COPY . FileInfo
RUN pip install --no-cache-dir -r FileInfo/requirements.txt
ENTRYPOINT ["python", "FileInfo/fileinfo_analyzer.py"]
