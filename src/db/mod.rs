//! Database: pool, migrations, managed local PostgreSQL, schema, models.
