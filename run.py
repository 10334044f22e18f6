"""Entry point: ``python run.py [experiment=NAME] [overrides...]`` (the same as ``meek``)."""

from experiments.entry import main

if __name__ == "__main__":
    main()
