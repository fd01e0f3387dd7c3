-- GET /fortunes: every fortune row (api_model::db::sql::SELECT_FORTUNES).
SELECT id, message FROM fortune;
