#pragma once
// What a store's schema holds (tables and their columns, primary keys, unique constraints,
// indexes with their predicates, foreign keys, triggers), read from an SQLite file's catalog and
// from a PostgreSQL database's, in one shape, so that a test compares the two schemas. Index
// predicates are normalized to one spelling (PostgreSQL prints `status = 'open'` as
// `(status = 'open'::text)` and an IN list as `= ANY (ARRAY[...])`).

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "daemon/store/postgres/pg_db.hpp"
#include "daemon/store/sqlite/sqlite_db.hpp"

namespace ccd::testing {

struct CatalogColumn {
    std::string name;
    std::string type;           // as declared in SQLite, PostgreSQL's data_type
    bool not_null = false;      // PostgreSQL: also for primary key columns
    std::string default_value;  // normalized: 'x' or 0, without PostgreSQL's casts
    bool identity = false;      // SQLite: a rowid alias; PostgreSQL: an identity column
};

struct CatalogIndex {
    std::string table;
    bool unique = false;
    std::string columns;    // comma separated, in index order
    std::string predicate;  // normalized, empty for a full index
};

struct Catalog {
    std::map<std::string, std::vector<CatalogColumn>> tables;
    std::map<std::string, std::string> primary_keys;  // table -> columns
    std::set<std::string> unique_constraints;         // "table(columns)"
    std::map<std::string, CatalogIndex> indexes;      // the named (CREATE INDEX) ones
    std::set<std::string> foreign_keys;               // "table.column -> table.column"
    std::set<std::string> triggers;                   // "table.trigger"
};

/// Lower case, without spaces, parentheses, quotes or PostgreSQL's casts; ANY (ARRAY[...]) as IN.
inline std::string normalizedSql(std::string s) {
    for (const char* cast : {"::text", "::bigint", "::smallint", "::integer"}) {
        for (auto at = s.find(cast); at != std::string::npos; at = s.find(cast))
            s.erase(at, std::string(cast).size());
    }
    std::string out;
    for (char c : s) {
        if (c == ' ' || c == '\n' || c == '(' || c == ')' || c == '"') continue;
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    for (auto at = out.find("=anyarray["); at != std::string::npos; at = out.find("=anyarray["))
        out.replace(at, 10, "in");
    out.erase(std::remove(out.begin(), out.end(), ']'), out.end());
    return out;
}

inline Catalog readSqliteCatalog(store::sqlite::Connection& db) {
    using store::sqlite::Statement;
    Catalog c;
    Statement tables(db,
                     "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT "
                     "LIKE 'sqlite_%' ORDER BY name");
    while (tables.step()) {
        std::string table = tables.columnText(0);
        bool without_rowid = tables.columnText(1).find("WITHOUT ROWID") != std::string::npos;
        Statement cols(db,
                       "SELECT name, type, \"notnull\", dflt_value, pk FROM "
                       "pragma_table_info(?1) ORDER BY cid");
        cols.bind(1, std::string_view(table));
        std::map<std::int64_t, std::string> pk;
        auto& columns = c.tables[table];
        while (cols.step()) {
            CatalogColumn col;
            col.name = cols.columnText(0);
            col.type = cols.columnText(1);
            col.not_null = cols.columnInt(2) != 0 || cols.columnInt(4) > 0;
            col.default_value = normalizedSql(cols.columnText(3));
            if (cols.columnInt(4) > 0) pk[cols.columnInt(4)] = col.name;
            columns.push_back(col);
        }
        std::string key;
        for (const auto& [n, name] : pk) key += (key.empty() ? "" : ",") + name;
        c.primary_keys[table] = key;
        // A rowid alias: a lone INTEGER primary key of a table with rowids.
        if (pk.size() == 1 && !without_rowid) {
            for (auto& col : columns)
                if (col.name == key && col.type == "INTEGER") col.identity = true;
        }
        Statement fks(db, "SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?1)");
        fks.bind(1, std::string_view(table));
        while (fks.step()) {
            c.foreign_keys.insert(table + "." + fks.columnText(0) + " -> " + fks.columnText(1) +
                                  "." + fks.columnText(2));
        }
        Statement uniques(db, "SELECT name FROM pragma_index_list(?1) WHERE origin = 'u'");
        uniques.bind(1, std::string_view(table));
        while (uniques.step()) {
            Statement ic(db,
                         "SELECT group_concat(name, ',') FROM (SELECT name FROM "
                         "pragma_index_info(?1) ORDER BY seqno)");
            ic.bind(1, std::string_view(uniques.columnText(0)));
            ic.step();
            c.unique_constraints.insert(table + "(" + ic.columnText(0) + ")");
        }
    }
    Statement indexes(db,
                      "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' "
                      "AND sql IS NOT NULL");
    while (indexes.step()) {
        CatalogIndex index;
        index.table = indexes.columnText(1);
        std::string sql = indexes.columnText(2);
        index.unique = sql.rfind("CREATE UNIQUE", 0) == 0;
        if (auto where = sql.find(" WHERE "); where != std::string::npos)
            index.predicate = normalizedSql(sql.substr(where + 7));
        Statement ic(db,
                     "SELECT group_concat(name, ',') FROM (SELECT name FROM "
                     "pragma_index_info(?1) ORDER BY seqno)");
        ic.bind(1, std::string_view(indexes.columnText(0)));
        ic.step();
        index.columns = ic.columnText(0);
        c.indexes[indexes.columnText(0)] = index;
    }
    Statement triggers(db, "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'");
    while (triggers.step())
        c.triggers.insert(triggers.columnText(0) + "." + triggers.columnText(1));
    return c;
}

/// The public schema's tables but `skip` (PostgreSQL's schema_version, which SQLite keeps in
/// PRAGMA user_version).
inline Catalog readPostgresCatalog(store::postgres::Connection& db, const std::string& skip) {
    Catalog c;
    auto tables = db.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND "
        "table_type = 'BASE TABLE' AND table_name <> $1 ORDER BY table_name",
        {skip});
    while (tables.next()) {
        std::string table = tables.columnText(0);
        auto cols = db.query(
            "SELECT column_name, data_type, is_nullable = 'NO', coalesce(column_default, ''), "
            "is_identity = 'YES' FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name = $1 ORDER BY ordinal_position",
            {table});
        auto& columns = c.tables[table];
        while (cols.next()) {
            CatalogColumn col;
            col.name = cols.columnText(0);
            col.type = cols.columnText(1);
            col.not_null = cols.columnInt(2) != 0;
            col.default_value = normalizedSql(cols.columnText(3));
            col.identity = cols.columnInt(4) != 0;
            columns.push_back(col);
        }
    }
    // Constraints: primary keys, unique constraints, foreign keys (one column each here).
    auto constraints = db.query(R"sql(
        SELECT t.relname, con.contype,
               (SELECT string_agg(a.attname, ',' ORDER BY k.n)
                  FROM unnest(con.conkey) WITH ORDINALITY k(attnum, n)
                  JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum),
               coalesce(rt.relname, ''), coalesce(ra.attname, '')
          FROM pg_constraint con
          JOIN pg_class t ON t.oid = con.conrelid
          JOIN pg_namespace ns ON ns.oid = t.relnamespace AND ns.nspname = 'public'
          LEFT JOIN pg_class rt ON rt.oid = con.confrelid
          LEFT JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[1]
         WHERE con.contype IN ('p', 'u', 'f') AND t.relname <> $1)sql",
                                {skip});
    while (constraints.next()) {
        std::string table = constraints.columnText(0), kind = constraints.columnText(1);
        std::string columns = constraints.columnText(2);
        if (kind == "p") c.primary_keys[table] = columns;
        if (kind == "u") c.unique_constraints.insert(table + "(" + columns + ")");
        if (kind == "f") {
            c.foreign_keys.insert(table + "." + columns + " -> " + constraints.columnText(3) + "." +
                                  constraints.columnText(4));
        }
    }
    // Indexes of their own (not a constraint's).
    auto indexes = db.query(R"sql(
        SELECT ic.relname, t.relname, i.indisunique, coalesce(pg_get_expr(i.indpred, i.indrelid), ''),
               (SELECT string_agg(pg_get_indexdef(i.indexrelid, k, true), ',' ORDER BY k)
                  FROM generate_series(1, i.indnatts) k)
          FROM pg_index i
          JOIN pg_class ic ON ic.oid = i.indexrelid
          JOIN pg_class t ON t.oid = i.indrelid
          JOIN pg_namespace ns ON ns.oid = t.relnamespace AND ns.nspname = 'public'
         WHERE NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)
           AND t.relname <> $1)sql",
                            {skip});
    while (indexes.next()) {
        CatalogIndex index;
        index.table = indexes.columnText(1);
        index.unique = indexes.columnInt(2) != 0;
        index.predicate = normalizedSql(indexes.columnText(3));
        index.columns = normalizedSql(indexes.columnText(4));
        c.indexes[indexes.columnText(0)] = index;
    }
    auto triggers = db.query(
        "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal");
    while (triggers.next())
        c.triggers.insert(triggers.columnText(0) + "." + triggers.columnText(1));
    return c;
}

}  // namespace ccd::testing
