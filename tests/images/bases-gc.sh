#!/bin/sh
echo SKIP: not written yet; exit 77
