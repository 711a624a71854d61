"""python -m atlas: the same as the atlas command."""

from atlas.cli import main

main()
