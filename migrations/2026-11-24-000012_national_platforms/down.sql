DROP TABLE bpjs_reconciliations;
DROP TABLE hfis_updates;
DROP TABLE satusehat_encounters;
DROP TABLE satusehat_jobs;
DROP TABLE satusehat_patients;
DROP TABLE satusehat_clinics;
DROP TABLE satusehat_doctors;
