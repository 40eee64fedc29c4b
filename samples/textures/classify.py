#!/usr/bin/python3
"""Textures: scattering (J=3, mean over positions) vs raw pixels, logistic regression on 30 labelled images;
then train on upright images and test on images rotated by random multiples of 90°, with and without
--rotation-invariant (both with --pool mean --log).
Run: /usr/bin/python3 samples/textures/classify.py"""
import os
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in the sample folders
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from scatsample import compare, rotation_protocol  # noqa: E402

folder = os.path.dirname(os.path.abspath(__file__))
compare(folder, ["-J", "3", "--color", "gray", "--pool", "mean"], train_size=30)
print("textures: trained on 30 upright images, tested on the others rotated by 90°, 180° or 270° at random "
      "(same rotations and 10 splits for both)")
base = ["-J", "3", "--color", "gray", "--pool", "mean", "--log"]
rotation_protocol(folder, [("plain", base), ("rotation-invariant", base + ["--rotation-invariant"])], train_size=30)
