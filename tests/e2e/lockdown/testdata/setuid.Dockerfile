# The test image with Debian's own newuidmap/newgidmap: setuid root, no
# file capabilities, as `apt-get install uidmap` leaves them.
ARG IMAGE
FROM ${IMAGE}
RUN setcap -r /usr/bin/newuidmap \
 && setcap -r /usr/bin/newgidmap \
 && chmod u+s /usr/bin/newuidmap /usr/bin/newgidmap
