await DIQKDKME.runMappingExitCodesAsync()
