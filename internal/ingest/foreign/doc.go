// Package foreign reads the office's own data in foreign schemas — any vector source GDAL reads
// (Shapefile, GeoPackage, GeoJSON, KML, DXF, CSV, FileGDB) and .xlsx survey tables — and maps it
// onto renewmap's layers with a mapping file (docs/import.md), producing the same GeoJSON files
// `renewmap load` reads, so that everything goes through ingest's validation and the store's
// single all-or-nothing transaction.
//
// Files are untrusted. A format is recognised by its content and only an allow-list is read; GDAL
// (its ogr2ogr and ogrinfo tools) is run with every driver skipped but the one recognised, so an
// OGR VRT or any other driver that opens further files or servers cannot be reached; zip archives
// and .xlsx workbooks are expanded within bounds, and a path inside an archive that leaves its
// folder is refused. Coordinates reach the caller in WGS84 longitude, latitude: reprojected by
// GDAL from the file's CRS (or the one given), or converted here from GCJ-02 and BD-09, which PROJ
// does not know. A datum PROJ cannot shift without parameters (Xian 1980, Beijing 1954, local
// systems) is refused unless the caller gives TOWGS84 parameters.
package foreign
