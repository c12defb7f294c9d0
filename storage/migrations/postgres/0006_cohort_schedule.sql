-- When a workshop runs and in which time zone (check-ins and the dashboard show local times).
ALTER TABLE cohorts ADD COLUMN starts TEXT;
ALTER TABLE cohorts ADD COLUMN ends TEXT;
ALTER TABLE cohorts ADD COLUMN timezone TEXT;
