-- The occupation (职业分类大典 2022 code) the employer or staff chose for a posting; NULL when
-- nobody chose one and the title decides. Chosen occupations also teach the title matcher how
-- this node's titles are labelled.
ALTER TABLE postings ADD COLUMN occupation TEXT;
