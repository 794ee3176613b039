"""Project kind from the tree's own evidence: what its packaging ships, where its user-facing
entry points live (by folder, whatever module name a file gets), and which entry points are production."""
from __future__ import annotations

from conftest import write_tree

from riskscan.api import ScanOptions, scan

_PROVIDERS = {
    "models/__init__.py": "",
    "models/factory.py": """
        from models.openai_bot import OpenAIBot
        from models.claude_bot import ClaudeBot
        BOTS = {"openai": OpenAIBot, "claude": ClaudeBot}
        def create(name):
            return BOTS[name]()
    """,
    "models/openai_bot.py": """
        from openai import OpenAI
        class OpenAIBot:
            def reply(self, q):
                return OpenAI().chat.completions.create(model="gpt-4.1", messages=[])
    """,
    "models/claude_bot.py": """
        import anthropic
        class ClaudeBot:
            def reply(self, q):
                return anthropic.Anthropic().messages.create(model="claude-sonnet-4-5", max_tokens=9, messages=[])
    """,
}


def project(tmp_path, files: dict):
    write_tree(tmp_path, files)
    return scan(tmp_path, ScanOptions(jobs=1)).project


def test_packaging_that_ships_only_a_launcher_makes_no_library_of_the_provider_code(tmp_path):
    kind = project(tmp_path, {**_PROVIDERS, "cli/__init__.py": "", "cli/main.py": "def main():\n    pass\n",
                              "pyproject.toml": '[project]\nname = "bot"\n[project.scripts]\nbot = "cli.main:main"\n'
                                                '[tool.setuptools.packages.find]\ninclude = ["cli*"]\n'})
    assert kind.kind == "application" and kind.package_name == ""
    assert "packaging metadata: bot (pyproject.toml) ships cli*, not the code that calls the providers" in kind.evidence


def test_packaging_that_ships_the_provider_code_with_its_registry_is_a_library(tmp_path):
    kind = project(tmp_path, {**_PROVIDERS, "pyproject.toml": '[project]\nname = "bots"\n'
                                                              '[tool.setuptools.packages.find]\ninclude = ["models*"]\n'})
    assert kind.kind == "library"


def test_routes_in_a_folder_without_init_inside_the_package_serve_users_from_it(tmp_path):
    kind = project(tmp_path, {
        **{f"src/backend/{name}": text for name, text in _PROVIDERS.items()},
        "src/backend/models/routes/api.py": """
            from fastapi import APIRouter
            from models.factory import create
            router = APIRouter()
            @router.post("/chat")
            def chat(q: str):
                return create("openai").reply(q)
        """,
        "tests/test_api.py": "def test_chat():\n    pass\nif __name__ == '__main__':\n    test_chat()\n",
        "pyproject.toml": '[project]\nname = "bots"\n',
    })
    assert kind.kind == "mixed"
    assert kind.evidence[0] == "1 user-facing entry points in the package that calls the providers " \
                               "(first: src/backend/models/routes/api.py:6)"


def test_test_entry_points_are_not_counted_as_the_projects(tmp_path):
    kind = project(tmp_path, {
        **_PROVIDERS,
        "tests/test_bots.py": "if __name__ == '__main__':\n    print('x')\n",
        "tools/run.py": "if __name__ == '__main__':\n    print('x')\n",
    })
    assert kind.evidence[0] == "none of the 1 production entry points serves users from the package that calls the providers (models)"
