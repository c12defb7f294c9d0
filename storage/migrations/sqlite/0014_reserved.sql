-- Reserved: migration 0014 belongs to another change being merged (issue 19's forms are 0015,
-- and migrations must be numbered 1..N). Replace this file with that change's 0014 on merge.
SELECT 1;
