# Multi-stage build: a static binary on a minimal base, run as a non-root user, with
# the data directory as a volume.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/smpbot ./cmd/smpbot \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/smpbot /usr/local/bin/smpbot
COPY --from=build --chown=nonroot:nonroot /out/data /data
USER nonroot:nonroot
VOLUME /data
# The admin listener must bind beyond loopback inside a container to be scraped.
ENV SMPBOT_DATA=/data SMPBOT_ADMIN_LISTEN=0.0.0.0:9090
EXPOSE 9090
ENTRYPOINT ["/usr/local/bin/smpbot"]
CMD ["run"]
