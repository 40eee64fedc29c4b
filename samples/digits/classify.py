#!/usr/bin/python3
"""Digits: scattering (J=1) vs raw pixels, logistic regression on 100 labelled images. Run: /usr/bin/python3 samples/digits/classify.py"""
import os
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in the sample folders
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from scatsample import compare  # noqa: E402

compare(os.path.dirname(os.path.abspath(__file__)), ["-J", "1", "--color", "gray"], train_size=100)
