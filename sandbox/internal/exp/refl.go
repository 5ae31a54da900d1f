package main

import "reflect"

func reflectValueOfL() reflect.Value { return reflect.ValueOf(&L).Elem() }
