"""`python -m bot` runs the `rescuebot` command line."""

from bot.cli.main import main

main()
