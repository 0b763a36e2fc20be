#!/bin/bash
# usage: flink-run.sh jm|tm   -- starts Flink 2.3.0 from Maven jars with host Java 17
D=/work/scratch/lakehouse
JOPTS="--add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED"
mkdir -p $D/flink-tmp/web $D/flink-tmp/io $D/flink-logs
CP="$D/flink-deps/lib/*"
case $1 in
 jm) exec java -Xmx384m -Xms384m -XX:MaxMetaspaceSize=256m $JOPTS -Dlog.file=$D/flink-logs/jm.log -Dlog4j.configurationFile=file:$D/flink-conf/log4j.properties -cp "$CP" org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint --configDir $D/flink-conf ;;
 tm) exec java -Xmx512m -Xms512m -XX:MaxDirectMemorySize=300m -XX:MaxMetaspaceSize=256m $JOPTS -Dlog.file=$D/flink-logs/tm.log -Dlog4j.configurationFile=file:$D/flink-conf/log4j.properties -cp "$CP" org.apache.flink.runtime.taskexecutor.TaskManagerRunner --configDir $D/flink-conf ;;
esac
