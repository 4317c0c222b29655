#!/bin/sh
echo SKIP: todo; exit 77
