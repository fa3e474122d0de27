from cortexutils.analyzer import Analyzer
from submodules import available_submodules


class FileInfoAnalyzer(Analyzer):
    def run(self):
        self.report({"submodules": [module.name for module in available_submodules]})


if __name__ == "__main__":
    FileInfoAnalyzer().run()
