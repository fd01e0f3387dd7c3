-- GET /updates?queries=20: 20 world rows read (SELECT_WORLD), then each written back with a new
-- random number by its own statement (api_model::db::sql::UPDATE_WORLD), as a server that does not
-- batch its updates sends them.
-- The ceiling runs several requests' statements in one pipeline, which PostgreSQL 15 runs as one
-- transaction: its row locks last to its end. Each pgbench client therefore reads and writes rows
-- of its own (client_rows = world_rows / clients, from harness/bench/pgbench.py): no two clients
-- lock the same row, so none waits for another and none deadlocks. The new values are drawn from
-- the whole range, as the servers draw them.
\set id1 :client_id * :client_rows + random(1, :client_rows)
SELECT id, randomnumber FROM world WHERE id = :id1;
\set id2 :client_id * :client_rows + random(1, :client_rows)
SELECT id, randomnumber FROM world WHERE id = :id2;
\set id3 :client_id * :client_rows + random(1, :client_rows)
SELECT id, randomnumber FROM world WHERE id = :id3;
\set id4 :client_id * :client_rows + random(1, :client_rows)
SELECT id, randomnumber FROM world WHERE id = :id4;
\set id5 :client_id * :client_rows + random(1, :client_rows)
SELECT id, randomnumber FROM world WHERE id = :id5;
\set id6 :client_id * :client_rows + random(1, :client_rows)
SELECT id, randomnumber FROM world WHERE id = :id6;
\set id7 :client_id * :client_rows + random(1, :client_rows)
SELECT id, randomnumber FROM world WHERE id = :id7;
\set id8 :client_id * :client_rows + random(1, :client_rows)
SELECT id, randomnumber FROM world WHERE id = :id8;
\set id9 :client_id * :client_rows + random(1, :client_rows)
SELECT id, randomnumber FROM world WHERE id = :id9;
\set id10 :client_id * :client_rows + random(1, :client_rows)
SELECT id, randomnumber FROM world WHERE id = :id10;
\set id11 :client_id * :client_rows + random(1, :client_rows)
SELECT id, randomnumber FROM world WHERE id = :id11;
\set id12 :client_id * :client_rows + random(1, :client_rows)
SELECT id, randomnumber FROM world WHERE id = :id12;
\set id13 :client_id * :client_rows + random(1, :client_rows)
SELECT id, randomnumber FROM world WHERE id = :id13;
\set id14 :client_id * :client_rows + random(1, :client_rows)
SELECT id, randomnumber FROM world WHERE id = :id14;
\set id15 :client_id * :client_rows + random(1, :client_rows)
SELECT id, randomnumber FROM world WHERE id = :id15;
\set id16 :client_id * :client_rows + random(1, :client_rows)
SELECT id, randomnumber FROM world WHERE id = :id16;
\set id17 :client_id * :client_rows + random(1, :client_rows)
SELECT id, randomnumber FROM world WHERE id = :id17;
\set id18 :client_id * :client_rows + random(1, :client_rows)
SELECT id, randomnumber FROM world WHERE id = :id18;
\set id19 :client_id * :client_rows + random(1, :client_rows)
SELECT id, randomnumber FROM world WHERE id = :id19;
\set id20 :client_id * :client_rows + random(1, :client_rows)
SELECT id, randomnumber FROM world WHERE id = :id20;
\set rn1 random(1, :world_rows)
UPDATE world SET randomnumber = :rn1 WHERE id = :id1;
\set rn2 random(1, :world_rows)
UPDATE world SET randomnumber = :rn2 WHERE id = :id2;
\set rn3 random(1, :world_rows)
UPDATE world SET randomnumber = :rn3 WHERE id = :id3;
\set rn4 random(1, :world_rows)
UPDATE world SET randomnumber = :rn4 WHERE id = :id4;
\set rn5 random(1, :world_rows)
UPDATE world SET randomnumber = :rn5 WHERE id = :id5;
\set rn6 random(1, :world_rows)
UPDATE world SET randomnumber = :rn6 WHERE id = :id6;
\set rn7 random(1, :world_rows)
UPDATE world SET randomnumber = :rn7 WHERE id = :id7;
\set rn8 random(1, :world_rows)
UPDATE world SET randomnumber = :rn8 WHERE id = :id8;
\set rn9 random(1, :world_rows)
UPDATE world SET randomnumber = :rn9 WHERE id = :id9;
\set rn10 random(1, :world_rows)
UPDATE world SET randomnumber = :rn10 WHERE id = :id10;
\set rn11 random(1, :world_rows)
UPDATE world SET randomnumber = :rn11 WHERE id = :id11;
\set rn12 random(1, :world_rows)
UPDATE world SET randomnumber = :rn12 WHERE id = :id12;
\set rn13 random(1, :world_rows)
UPDATE world SET randomnumber = :rn13 WHERE id = :id13;
\set rn14 random(1, :world_rows)
UPDATE world SET randomnumber = :rn14 WHERE id = :id14;
\set rn15 random(1, :world_rows)
UPDATE world SET randomnumber = :rn15 WHERE id = :id15;
\set rn16 random(1, :world_rows)
UPDATE world SET randomnumber = :rn16 WHERE id = :id16;
\set rn17 random(1, :world_rows)
UPDATE world SET randomnumber = :rn17 WHERE id = :id17;
\set rn18 random(1, :world_rows)
UPDATE world SET randomnumber = :rn18 WHERE id = :id18;
\set rn19 random(1, :world_rows)
UPDATE world SET randomnumber = :rn19 WHERE id = :id19;
\set rn20 random(1, :world_rows)
UPDATE world SET randomnumber = :rn20 WHERE id = :id20;
