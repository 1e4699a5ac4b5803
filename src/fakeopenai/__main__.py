"""``python -m fakeopenai`` runs the CLI."""

from fakeopenai.cli import main

main()
