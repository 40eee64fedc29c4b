#!/usr/bin/python3
"""Textures: scattering (J=3, mean over positions) vs raw pixels, logistic regression on 30 labelled images.
Run: /usr/bin/python3 samples/textures/classify.py"""
import os
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in the sample folders
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from scatsample import compare  # noqa: E402

compare(os.path.dirname(os.path.abspath(__file__)), ["-J", "3", "--color", "gray", "--pool", "mean"], train_size=30)
