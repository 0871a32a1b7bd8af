#!/bin/sh
mkdir -p build/assets
cp -r assets/* build/assets/
