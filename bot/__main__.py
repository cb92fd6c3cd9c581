"""`python -m bot` runs the `rescuebot` command line."""

from bot.cli import main

main()
