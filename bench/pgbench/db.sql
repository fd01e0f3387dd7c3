-- GET /db: one world row by a random id (api_model::db::sql::SELECT_WORLD).
\set id random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id;
