# Build and run renewmap in a container (for `docker compose up`; the Makefile does not need it).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /renewmap ./cmd/renewmap

FROM debian:bookworm-slim
# GDAL's ogr2ogr writes the GeoPackage, Shapefile, DXF and KML downloads.
RUN apt-get update && apt-get install -y --no-install-recommends gdal-bin && rm -rf /var/lib/apt/lists/*
COPY --from=build /renewmap /usr/local/bin/renewmap
ENV RENEWMAP_ADDR=0.0.0.0:8080
EXPOSE 8080
USER nobody
ENTRYPOINT ["renewmap"]
CMD ["serve"]
