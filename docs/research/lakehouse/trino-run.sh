#!/bin/bash
# Trino 476 single node on the host with Java 25 (foreground; launcher 'run')
D=/work/scratch/lakehouse/trino
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 PATH=/usr/lib/jvm/temurin-25-jdk-amd64/bin:$PATH
exec $D/trino-server-476/bin/launcher run --etc-dir=$D/etc --data-dir=$D/data
