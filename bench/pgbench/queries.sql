-- GET /queries?queries=20: 20 world rows, each by its own query (api_model::db::sql::SELECT_WORLD).
\set id1 random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id1;
\set id2 random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id2;
\set id3 random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id3;
\set id4 random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id4;
\set id5 random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id5;
\set id6 random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id6;
\set id7 random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id7;
\set id8 random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id8;
\set id9 random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id9;
\set id10 random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id10;
\set id11 random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id11;
\set id12 random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id12;
\set id13 random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id13;
\set id14 random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id14;
\set id15 random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id15;
\set id16 random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id16;
\set id17 random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id17;
\set id18 random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id18;
\set id19 random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id19;
\set id20 random(1, :world_rows)
SELECT id, randomnumber FROM world WHERE id = :id20;
